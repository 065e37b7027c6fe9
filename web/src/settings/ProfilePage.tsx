/** The profile (name, username, bio, profession), avatar upload and a download of all my data. */
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { errorMessage } from '../api/errors';
import { exportData as fetchExport, uploadAvatar as sendAvatar, updateProfile } from '../api/users';
import { useAuth, useUser } from '../auth/auth';
import { Avatar } from '../ui/Avatar';
import { Button, ErrorNote, Field, inputClass, PageTitle } from '../ui/ui';

export function ProfilePage() {
  const user = useUser();
  const { setUser } = useAuth();
  const [f, setF] = useState({
    full_name: user.full_name ?? '',
    username: user.username ?? '',
    bio: user.bio ?? '',
    profession: user.profession ?? '',
  });
  const [saved, setSaved] = useState(false);
  const [avatarError, setAvatarError] = useState<string | null>(null);
  const [exportError, setExportError] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: () =>
      updateProfile({
        full_name: f.full_name.trim() || null,
        username: f.username.trim() || null,
        bio: f.bio.trim() || null,
        profession: f.profession.trim() || null,
      }),
    onSuccess: (u) => {
      setUser(u);
      setSaved(true);
    },
  });

  async function uploadAvatar(file: File) {
    setAvatarError(null);
    try {
      const res = await sendAvatar(file);
      setUser({ ...user, avatar_url: res.avatar_url });
    } catch (err) {
      setAvatarError(errorMessage(err));
    }
  }

  async function exportData() {
    setExportError(null);
    try {
      const blob = await fetchExport();
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = `pocketllm-export-${new Date().toISOString().slice(0, 10)}.json`;
      a.click();
      URL.revokeObjectURL(a.href);
    } catch (err) {
      setExportError(errorMessage(err));
    }
  }

  const field = (k: keyof typeof f, label: string) => (
    <Field label={label}>
      {(id) => (
        <input
          id={id}
          value={f[k]}
          onChange={(e) => {
            setSaved(false);
            setF({ ...f, [k]: e.target.value });
          }}
          className={inputClass}
        />
      )}
    </Field>
  );

  return (
    <section className="space-y-6">
      <PageTitle>Profile</PageTitle>
      <div className="flex items-center gap-4">
        <Avatar user={user} size="large" alt="Your avatar" />
        <label className="cursor-pointer rounded-lg border border-zinc-300 px-3 py-2 text-sm dark:border-zinc-700">
          Upload avatar
          <input
            type="file"
            accept="image/png,image/jpeg,image/webp"
            className="sr-only"
            onChange={(e) => e.target.files?.[0] && void uploadAvatar(e.target.files[0])}
          />
        </label>
        {avatarError && (
          <p role="alert" className="text-sm text-red-600">
            {avatarError}
          </p>
        )}
      </div>
      <form
        className="space-y-3"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <p className="text-sm text-zinc-500">
          {user.email} · {user.role}
        </p>
        {field('full_name', 'Full name')}
        {field('username', 'Username')}
        {field('profession', 'Profession')}
        {field('bio', 'Bio')}
        {save.isError && <ErrorNote error={save.error} />}
        <Button type="submit" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save profile'}
        </Button>
        {saved && (
          <span role="status" className="ml-2 text-sm text-emerald-600">
            Saved
          </span>
        )}
      </form>
      <div className="border-t border-zinc-200 pt-4 dark:border-zinc-800">
        <Button variant="secondary" onClick={() => void exportData()}>
          Export my data
        </Button>
        {exportError && (
          <p role="alert" className="mt-2 text-sm text-red-600">
            {exportError}
          </p>
        )}
      </div>
    </section>
  );
}
