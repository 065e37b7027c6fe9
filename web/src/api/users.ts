/** Signing in and out, first-run setup, and the user's own profile, avatar, password, data export and account. */
import { useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import type {
  changePasswordBody,
  loginBody,
  registerBody,
  updateProfileBody,
} from '../../../contracts/src/accounts.js';
import { api, apiFetch } from './client';
import { keys } from './keys';
import type { AuthSetup, AuthTokens, AvatarResponse, UserProfile } from './types';

export const getMe = () => api<UserProfile>('/auth/me');

export const login = (body: z.input<typeof loginBody>) =>
  api<AuthTokens>('/auth/login', { method: 'POST', body });

export const register = (body: z.input<typeof registerBody>) =>
  api<AuthTokens>('/auth/register', { method: 'POST', body });

export const logout = () => api<void>('/auth/logout', { method: 'POST' });

export const updateProfile = (body: z.input<typeof updateProfileBody>) =>
  api<UserProfile>('/users/me', { method: 'PATCH', body });

export function uploadAvatar(file: File): Promise<AvatarResponse> {
  const form = new FormData();
  form.append('file', file);
  return api<AvatarResponse>('/users/me/avatar', { method: 'PUT', body: form });
}

/** Everything the user has, as the JSON file the server makes. */
export const exportData = async (): Promise<Blob> => (await apiFetch('/users/me/export')).blob();

/** Changes the password; the server ends every other login of the account. */
export const changePassword = (body: z.input<typeof changePasswordBody>) =>
  api<void>('/users/me/password', { method: 'POST', body });

/** Deletes the account and everything it owns. */
export const deleteAccount = () => api<void>('/users/me', { method: 'DELETE' });

/**
 * Whether the server has no account yet (the first screen is then "Create the admin account"). A server
 * that cannot say (an older one) gives an error: the usual sign-in screen is shown then.
 */
export function useSetup() {
  return useQuery({
    queryKey: keys.setup(),
    queryFn: () => api<AuthSetup>('/auth/setup'),
    retry: false,
    // Asked afresh each time the screen shows: a kept answer could be from before the admin existed.
    gcTime: 0,
  });
}
