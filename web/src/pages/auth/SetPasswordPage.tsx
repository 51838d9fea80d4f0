import { ChoosePassword } from './ResetPasswordPage';

/** The invitation link: a new user chooses the first password. */
export default function SetPasswordPage() {
  return <ChoosePassword invitation />;
}
