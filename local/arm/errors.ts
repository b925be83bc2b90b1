// Resource Manager errors in the service's shape (`{ "error": { "code", "message" } }`) and the
// codes the stand-in uses; README.md says which codes are documented and which are guesses.
import type { OutgoingHttpHeaders } from "node:http";

/** An error answered to the client as ARM does: HTTP status, body `{ error: { code, message } }`. */
export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: OutgoingHttpHeaders = {},
    readonly target?: string,
  ) {
    super(message);
    this.name = "ArmError";
  }

  body(): { error: { code: string; message: string; target?: string } } {
    return {
      error: { code: this.code, message: this.message, ...(this.target ? { target: this.target } : {}) },
    };
  }
}

export const notFound = (type: string, name: string, resourceGroup: string): ArmError =>
  new ArmError(
    404,
    "ResourceNotFound",
    `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found. ` +
      "For more details please go to https://aka.ms/ARMResourceNotFoundFix",
  );

export const resourceGroupNotFound = (name: string): ArmError =>
  new ArmError(404, "ResourceGroupNotFound", `Resource group '${name}' could not be found.`);

export const invalidParameter = (target: string, message: string): ArmError =>
  new ArmError(400, "InvalidParameter", message, {}, target);

export const operationNotAllowed = (message: string): ArmError =>
  new ArmError(409, "OperationNotAllowed", message);

export const propertyChangeNotAllowed = (property: string): ArmError =>
  new ArmError(
    409,
    "PropertyChangeNotAllowed",
    `Changing property '${property}' is not allowed.`,
    {},
    property,
  );
