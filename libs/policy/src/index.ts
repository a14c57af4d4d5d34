/*
 * Fleet-wide policies, pure: built-in rules and CEL rules (ValidatingAdmissionPolicy conventions)
 * compiled once and evaluated against a cluster's objects, giving violations; and conversion to
 * and from ValidatingAdmissionPolicies for delivery to clusters.
 */
export { baselineCapabilities } from './builtin/added-capabilities.rule';
export { builtinRules } from './builtin/builtin-rules';
export type { BuiltinRuleDefinition, Finding, InputFinding } from './builtin/builtin-rule';
export { imageReference } from './builtin/image-tag.rule';
export { deniesAllIngress } from './builtin/namespace-default-deny.rule';
export { defaultRequiredResources } from './builtin/resources-missing.rule';
export { defaultAllowedServiceTypes } from './builtin/service-types.rule';
export { defaultCostLimit } from './cel/cel-cost';
export { compareQuantities, isQuantity, parseQuantity, type Quantity, QuantityError, quantityAsFloat, quantityAsInteger } from './cel/quantity';
export { type CompiledPolicy, type CompiledRule, type CompileOptions, compilePolicy, defaultCompileOptions } from './compile';
export { evaluate } from './evaluate';
export { kindsJudged } from './kinds-judged';
export { type ExpressionPosition, PolicyError, type PolicyErrorCode, policyErrorCodes } from './policy-error';
export * from './types';
export { isNativeAdmissionObject, managedByLabel, type NativeAdmission, nativeAdmissionFor, type NativeAdmissionOptions, nativeNamePrefix, policyNameAnnotation, policyVersionAnnotation } from './native-admission';
export {
  type AdmissionObject,
  admissionApiVersion,
  type ConversionOptions,
  exemptionsAnnotation,
  exemptionsCondition,
  namespacedScopeCondition,
  policyFromValidatingAdmissionPolicy,
  ruleAnnotation,
  validatingAdmissionPairsFor,
  validatingAdmissionPoliciesFor,
} from './vap';
