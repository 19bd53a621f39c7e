import { Construct } from 'constructs';
import { StepProps } from './context';

/**
 * Step Age: the age recipients (public keys) are committed in `.sops.yaml` (written by the
 * repository, `sopsCreationRules`); the identity stays in Secret `sops-age` (key `age.agekey`),
 * created by hand (BOOTSTRAP.md) and named to Kommander by `ageEncryptionSecretName` /
 * `ageEncryptionSecretKey` in kommander-vars. No cluster object of its own.
 */
export class AgeStep extends Construct {
  /** The committed recipients; without any (`sops.ageRecipients: []`) every Secret exists already. */
  public readonly recipients: readonly string[];

  constructor(scope: Construct, id: string, props: StepProps) {
    super(scope, id);
    this.recipients = props.ctx.config.sops.ageRecipients;
  }
}
