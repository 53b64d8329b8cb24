"""Entry point of the policy pack: `pulumi preview|up --policy-pack stack/infra/policy_pack`.

The Pulumi CLI runs this folder with the virtualenv of PulumiPolicy.yaml (the exported
infra resolve) and only this folder on sys.path; put the repository root in front so the
rules import like everywhere else. PolicyPack serves the policies until the CLI stops it.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from pulumi_policy import EnforcementLevel, PolicyPack

from stack.infra.policy_pack.pack import PACK_NAME, POLICIES

PolicyPack(name=PACK_NAME, policies=list(POLICIES), enforcement_level=EnforcementLevel.MANDATORY)
