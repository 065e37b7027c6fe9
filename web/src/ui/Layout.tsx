/** The frame around every signed-in page: a sidebar (chats + navigation), a drawer on phones. */
import { type ReactNode, useMemo, useState } from 'react';
import { NavLink, useMatch, useNavigate } from 'react-router';
import { useAuth, useUser } from '../auth/auth';
import { newDraftState, SessionList } from '../chat/SessionList';
import { Avatar } from './Avatar';
import { Icon } from './icons';
import { MenuButton, MenuContext } from './menu';
import { Button } from './ui';

const link = ({ isActive }: { isActive: boolean }) =>
  `block rounded-lg px-3 py-2 text-sm ${isActive ? 'bg-zinc-200 font-medium dark:bg-zinc-800' : 'hover:bg-zinc-100 dark:hover:bg-zinc-900'}`;

function Sidebar({ onNavigate }: { onNavigate: () => void }) {
  const user = useUser();
  const { state, signOut } = useAuth();
  const navigate = useNavigate();
  return (
    <div className="flex h-full flex-col gap-2 p-2">
      <Button
        className="w-full"
        onClick={() => {
          // A draft: nothing is created until the first message is sent with it.
          navigate('/chats', { state: newDraftState() });
          onNavigate();
        }}
      >
        <Icon name="plus" /> New chat
      </Button>
      <div className="min-h-0 flex-1 overflow-y-auto">
        <SessionList onNavigate={onNavigate} />
      </div>
      <nav aria-label="Main" className="space-y-0.5 border-t border-zinc-200 pt-2 dark:border-zinc-800">
        <NavLink to="/pinned" className={link} onClick={onNavigate}>
          <Icon name="pin" className="mr-2 inline size-4 align-[-3px]" />
          Pinned
        </NavLink>
        <NavLink to="/images" className={link} onClick={onNavigate}>
          <Icon name="image" className="mr-2 inline size-4 align-[-3px]" />
          Images
        </NavLink>
        <NavLink to="/settings" className={link} onClick={onNavigate}>
          <Icon name="gear" className="mr-2 inline size-4 align-[-3px]" />
          Settings
        </NavLink>
        {user.role === 'admin' && (
          <NavLink to="/admin" className={link} onClick={onNavigate}>
            <Icon name="shield" className="mr-2 inline size-4 align-[-3px]" />
            Admin
          </NavLink>
        )}
      </nav>
      <div className="flex items-center gap-2 border-t border-zinc-200 px-1 pt-2 dark:border-zinc-800">
        <Avatar user={user} size="small" />
        <span className="min-w-0 flex-1 truncate text-sm">{user.full_name || user.email}</span>
        {state.status === 'signed-in' && !state.singleUser && (
          <Button variant="ghost" className="px-2 py-1 text-xs" onClick={() => void signOut()}>
            Sign out
          </Button>
        )}
      </div>
    </div>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const [open, setOpen] = useState(false);
  const menu = useMemo(() => ({ open: () => setOpen(true), isOpen: open }), [open]);
  // The chat window has its own header with the menu button in it.
  const ownHeader = useMatch('/chats/*') !== null;
  return (
    <MenuContext.Provider value={menu}>
      <div className="flex h-dvh">
        <aside className="hidden w-72 shrink-0 border-r border-zinc-200 bg-zinc-50 md:block dark:border-zinc-800 dark:bg-zinc-950">
          <Sidebar onNavigate={() => undefined} />
        </aside>
        {open && (
          <div className="fixed inset-0 z-40 md:hidden">
            <button
              type="button"
              aria-label="Close menu"
              className="absolute inset-0 bg-black/40"
              onClick={() => setOpen(false)}
            />
            <aside className="absolute inset-y-0 left-0 w-[85%] max-w-xs bg-zinc-50 shadow-xl dark:bg-zinc-950">
              <Sidebar onNavigate={() => setOpen(false)} />
            </aside>
          </div>
        )}
        <div className="flex min-w-0 flex-1 flex-col">
          {!ownHeader && (
            <header className="flex items-center gap-2 border-b border-zinc-200 px-3 py-1.5 md:hidden dark:border-zinc-800">
              <MenuButton />
              <span className="font-semibold">PocketLLM</span>
            </header>
          )}
          <main className="min-h-0 flex-1">{children}</main>
        </div>
      </div>
    </MenuContext.Provider>
  );
}
