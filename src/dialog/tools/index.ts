/** Tools the language model may call: the built-ins and declarative HTTP lookups. */
export {
  argumentError,
  defineTool,
  jsonSchemaOf,
  type Tool,
  type ToolActions,
  type ToolContext,
  type ToolValidation,
} from './tool.js';
export { BUILT_IN_TOOL_NAMES, builtInTools, type BuiltInToolName } from './built-in-tools.js';
export {
  httpTool,
  validateHttpToolDefinition,
  type HttpToolDefinition,
  type HttpToolParameter,
} from './http-tool.js';
