package armo_builtins

import rego.v1

# Credentials must not sit in a manifest as literal environment values, and
# workloads should not pull whole Secrets into their environment.
#
# A literal env value (regular and init containers) is a credential when the
# variable name contains one of sensitiveKeyNames (case-insensitively, and
# the value is not empty) or the value matches one of the sensitiveValues
# patterns (case-insensitively). It is excused when the name contains one of
# sensitiveKeyNamesAllowed, the value matches one of sensitiveValuesAllowed,
# or the value is an absolute path (a file that holds the secret).

deny contains msga if {
	wl := input[_]
	spec_path := pod_spec_path(wl)
	some group in ["containers", "initContainers"]
	some i, container in object.get(wl, array.concat(split(spec_path, "."), [group]), [])
	some j, env in container.env
	literal_credential(env)

	paths := [
		sprintf("%s.%s[%d].env[%d].name", [spec_path, group, i, j]),
		sprintf("%s.%s[%d].env[%d].value", [spec_path, group, i, j]),
	]
	msga := {
		"alertMessage": sprintf("%s '%s': container '%s' has a credential in plain text in environment variable %s", [wl.kind, object.get(wl, ["metadata", "name"], ""), object.get(container, "name", ""), env.name]),
		"packagename": "armo_builtins",
		"alertScore": 9,
		"deletePaths": paths,
		"failedPaths": paths,
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [wl]},
	}
}

deny contains msga if {
	wl := input[_]
	spec_path := pod_spec_path(wl)
	some group in ["containers", "initContainers"]
	some i, container in object.get(wl, array.concat(split(spec_path, "."), [group]), [])
	some j, source in container.envFrom
	source.secretRef

	path := sprintf("%s.%s[%d].envFrom[%d].secretRef", [spec_path, group, i, j])
	msga := {
		"alertMessage": sprintf("%s '%s': container '%s' loads all keys of Secret '%s' into its environment", [wl.kind, object.get(wl, ["metadata", "name"], ""), object.get(container, "name", ""), object.get(source.secretRef, "name", "")]),
		"packagename": "armo_builtins",
		"alertScore": 9,
		"deletePaths": [path],
		"failedPaths": [path],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [wl]},
	}
}

literal_credential(env) if {
	some word in data.postureControlInputs.sensitiveKeyNames
	contains(lower(env.name), lower(word))
	env.value != ""
	not excused(env)
}

literal_credential(env) if {
	some pattern in data.postureControlInputs.sensitiveValues
	regex.match(concat("", ["(?i)", pattern]), env.value)
	not excused(env)
}

excused(env) if {
	some word in data.postureControlInputs.sensitiveKeyNamesAllowed
	contains(lower(env.name), lower(word))
}

excused(env) if {
	some pattern in data.postureControlInputs.sensitiveValuesAllowed
	regex.match(pattern, env.value)
}

excused(env) if startswith(env.value, "/")

# Values that are not text (a YAML number, say) cannot be judged; they are
# left alone rather than guessed at.
excused(env) if not is_string(env.value)

pod_spec_path(wl) := "spec" if wl.kind == "Pod"

pod_spec_path(wl) := "spec.template.spec" if wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}

pod_spec_path(wl) := "spec.jobTemplate.spec.template.spec" if wl.kind == "CronJob"
