import type { UserProfile } from '@pocketllm/contracts';
import type { UserRow } from '../../db/schema/index.js';

/** The caller's own full profile (never the password hash). */
export function toUserProfile(u: UserRow): UserProfile {
  return {
    id: u.id,
    email: u.email,
    username: u.username,
    full_name: u.fullName,
    bio: u.bio,
    profession: u.profession,
    date_of_birth: u.dateOfBirth,
    avatar_url: u.avatarUrl,
    survey_completed: u.surveyCompleted,
    role: u.role,
    disabled: u.disabled,
    created_at: u.createdAt.toISOString(),
    updated_at: u.updatedAt.toISOString(),
  };
}
