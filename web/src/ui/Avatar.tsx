/** A user's round picture, or the first letter of their name (else their email) when they have none. */
import type { UserProfile } from '../api/types';

const SIZES = {
  small: { box: 'size-7', letter: 'text-xs font-semibold' },
  large: { box: 'size-16', letter: 'text-2xl' },
} as const;

export function Avatar({
  user,
  size,
  alt = '',
}: {
  user: Pick<UserProfile, 'avatar_url' | 'full_name' | 'email'>;
  size: keyof typeof SIZES;
  /** The picture's text: empty where the name stands beside it. */
  alt?: string;
}) {
  const { box, letter } = SIZES[size];
  if (user.avatar_url) {
    return <img src={user.avatar_url} alt={alt} className={`${box} rounded-full object-cover`} />;
  }
  return (
    <span
      className={`flex ${box} items-center justify-center rounded-full bg-indigo-600 ${letter} text-white`}
    >
      {(user.full_name || user.email).slice(0, 1).toUpperCase()}
    </span>
  );
}
