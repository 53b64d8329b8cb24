"""What models generated from a contract (``new-service --from-contract``) build on.

strict: a value of the wrong JSON type (a string for a number, a boolean for a number) is
refused, as in every module's own schemas. populate_by_name: code may use the Python names
while the wire keeps the contract's names (the aliases).
"""

from pydantic import BaseModel, ConfigDict

# Operations whose handler is not written yet carry this tag: they answer 501, and the
# property-based API suite leaves them out until the tag is removed (docs/contracts.md).
PENDING_TAG = "handler-pending"
PENDING_RESPONSE = {"description": "Not Implemented: the handler of this operation is not written yet"}


class ContractModel(BaseModel):
    model_config = ConfigDict(strict=True, populate_by_name=True)
