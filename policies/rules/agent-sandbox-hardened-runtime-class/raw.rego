package armo_builtins

import rego.v1

# Agent sandboxes must run under a hardened runtime (gVisor, Kata, ...) from
# hardenedSandboxRuntimeClasses; the default runc runtime shares the host
# kernel with whatever the agent decides to execute.

deny contains msga if {
	template := input[_]
	template.kind == "SandboxTemplate"
	runtime_class(template) == ""
	msga := finding(template, "sets no runtimeClassName, so it runs on the node's default runtime")
}

deny contains msga if {
	template := input[_]
	template.kind == "SandboxTemplate"
	class := runtime_class(template)
	class != ""
	not class in data.postureControlInputs.hardenedSandboxRuntimeClasses
	msga := finding(template, sprintf("uses runtimeClassName '%v', which is not an approved hardened runtime", [class]))
}

runtime_class(template) := class if {
	class := object.get(template, ["spec", "podTemplate", "spec", "runtimeClassName"], "")
	class != null
} else := ""

finding(template, problem) := {
	"alertMessage": sprintf("SandboxTemplate '%s' %s", [object.get(template, ["metadata", "name"], ""), problem]),
	"packagename": "armo_builtins",
	"alertScore": 7,
	"failedPaths": ["spec.podTemplate.spec.runtimeClassName"],
	"fixPaths": [],
	"alertObject": {"k8sApiObjects": [template]},
}
