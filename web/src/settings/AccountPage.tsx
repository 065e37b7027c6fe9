/** Settings → Account: change the password and delete the account (neither exists in single-user mode). */
import { useAuth } from '../auth/auth';
import { Empty, PageTitle } from '../ui/ui';
import { ChangePassword } from './ChangePassword';
import { DeleteAccount } from './DeleteAccount';

export function AccountPage() {
  const { state } = useAuth();
  if (state.status === 'signed-in' && state.singleUser)
    return (
      <section>
        <PageTitle>Account</PageTitle>
        <Empty>
          This server runs in single-user mode: there is no password to change and no account to delete.
        </Empty>
      </section>
    );
  return (
    <section className="space-y-8">
      <PageTitle>Account</PageTitle>
      <ChangePassword />
      <div className="border-t border-zinc-200 pt-6 dark:border-zinc-800">
        <DeleteAccount />
      </div>
    </section>
  );
}
