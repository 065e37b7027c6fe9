/**
 * The phone drawer's opener. Pages with their own header (the chat) put the button there, so a phone shows
 * one header bar instead of two stacked ones.
 */
import { createContext, useContext } from 'react';
import { Icon } from './icons';

export const MenuContext = createContext<{ open: () => void; isOpen: boolean }>({
  open: () => undefined,
  isOpen: false,
});

export function MenuButton() {
  const menu = useContext(MenuContext);
  return (
    <button
      type="button"
      aria-label="Open menu"
      aria-expanded={menu.isOpen}
      onClick={menu.open}
      className="-ml-1 rounded-lg p-1.5 text-zinc-600 hover:bg-zinc-100 md:hidden dark:text-zinc-300 dark:hover:bg-zinc-800"
    >
      <Icon name="menu" className="size-5" />
    </button>
  );
}
