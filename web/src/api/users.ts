/** Signing in and out, and the user's own profile, avatar and data export. */
import type { z } from 'zod';
import type { loginBody, registerBody, updateProfileBody } from '../../../contracts/src/accounts.js';
import { api, apiFetch } from './client';
import type { AuthTokens, AvatarResponse, UserProfile } from './types';

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
