import { Construct } from 'constructs';
import { StepProps } from './context';

/**
 * Step Age: the age recipients (public keys) are committed in `.sops.yaml` (written by the
 * repository, `sopsCreationRules`); the identity stays in Secret `sops-age` (key `age.agekey`),
 * created by hand (BOOTSTRAP.md) and named to Kommander by `ageEncryptionSecretName` /
 * `ageEncryptionSecretKey` in kommander-vars. No cluster object of its own.
 */
export class AgeStep extends Construct {
  constructor(scope: Construct, id: string, props: StepProps) {
    super(scope, id);
    // Without recipients (`sops.ageRecipients: []`) nothing is committed: every Secret then exists already.
    void props;
  }
}
