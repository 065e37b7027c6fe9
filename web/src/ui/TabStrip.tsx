/**
 * A page's row of tab links (Settings, Admin). When it is wider than the screen it scrolls sideways, and shows
 * it: each edge with tabs past it fades out under a chevron (a click scrolls that way), and the open tab is
 * brought to the middle when it opens.
 */
import { useEffect, useRef, useState } from 'react';
import { NavLink, useLocation } from 'react-router';
import { Icon } from './icons';

type Edges = { start: boolean; end: boolean };

/** Which edges of `el` have content scrolled past them, kept current on scroll and on resize. */
function useScrollEdges(ref: React.RefObject<HTMLElement | null>): Edges {
  const [edges, setEdges] = useState<Edges>({ start: false, end: false });
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const update = () => {
      // One pixel of slack: zoomed pages scroll to fractional positions.
      const start = el.scrollLeft > 1;
      const end = el.scrollLeft < el.scrollWidth - el.clientWidth - 1;
      setEdges((e) => (e.start === start && e.end === end ? e : { start, end }));
    };
    update();
    el.addEventListener('scroll', update, { passive: true });
    const resized = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(update);
    resized?.observe(el);
    if (el.firstElementChild) resized?.observe(el.firstElementChild);
    return () => {
      el.removeEventListener('scroll', update);
      resized?.disconnect();
    };
  }, [ref]);
  return edges;
}

export function TabStrip({
  label,
  base,
  tabs,
}: {
  /** The navigation's accessible name. */
  label: string;
  /** The path the tabs' paths are under, e.g. `/settings`. */
  base: string;
  tabs: readonly (readonly [path: string, label: string])[];
}) {
  const nav = useRef<HTMLElement>(null);
  const edges = useScrollEdges(nav);
  const { pathname } = useLocation();
  const opened = useRef(false);

  // The open tab in the middle of the strip (the strip only: the page itself does not move), at once the
  // first time, smoothly after.
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-run when another tab opens
  useEffect(() => {
    const el = nav.current;
    const tab = el?.querySelector<HTMLElement>('[aria-current="page"]');
    if (!el || !tab) return;
    const left = tab.offsetLeft - (el.clientWidth - tab.offsetWidth) / 2;
    el.scrollTo?.({ left: Math.max(0, left), behavior: opened.current ? 'smooth' : 'instant' });
    opened.current = true;
  }, [pathname]);

  const scrollBy = (dir: -1 | 1) => {
    const el = nav.current;
    el?.scrollBy?.({ left: dir * el.clientWidth * 0.7, behavior: 'smooth' });
  };
  // Decorative for assistive technology (every tab is a link in the strip); a pointer's way to scroll.
  const edge = (side: 'start' | 'end') => (
    <button
      type="button"
      tabIndex={-1}
      aria-hidden="true"
      data-edge={side}
      onClick={() => scrollBy(side === 'start' ? -1 : 1)}
      className={`absolute inset-y-0 flex w-12 items-center text-zinc-500 hover:text-zinc-900 dark:hover:text-zinc-100 ${
        side === 'start' ? 'left-0 justify-start bg-linear-to-r' : 'right-0 justify-end bg-linear-to-l'
      } from-white from-40% to-transparent dark:from-zinc-950`}
    >
      <Icon name={side === 'start' ? 'chevronLeft' : 'chevronRight'} />
    </button>
  );

  return (
    <div className="relative mb-4 border-b border-zinc-200 dark:border-zinc-800">
      <nav
        ref={nav}
        aria-label={label}
        className="relative overflow-x-auto [scrollbar-width:none] [&::-webkit-scrollbar]:hidden"
      >
        <div className="flex w-max gap-1">
          {tabs.map(([path, text]) => (
            <NavLink
              key={path}
              to={`${base}/${path}`}
              className={({ isActive }) =>
                `whitespace-nowrap border-b-2 px-3 py-2 text-sm ${isActive ? 'border-indigo-600 font-medium text-indigo-700 dark:text-indigo-300' : 'border-transparent text-zinc-500 hover:text-zinc-800 dark:hover:text-zinc-200'}`
              }
            >
              {text}
            </NavLink>
          ))}
        </div>
      </nav>
      {edges.start && edge('start')}
      {edges.end && edge('end')}
    </div>
  );
}
