package armo_builtins

import rego.v1

# ConfigMaps are readable by far more principals than Secrets and are not
# encrypted at rest; a data entry that holds a credential is a finding.
# An entry is a credential when its key contains one of sensitiveKeyNames
# (case-insensitively, non-empty value) or its value, as written or after
# base64 decoding, matches one of the sensitiveValues patterns. It is excused
# when the key contains one of sensitiveKeyNamesAllowed or the value matches
# one of sensitiveValuesAllowed.

deny contains msga if {
	configmap := input[_]
	configmap.kind == "ConfigMap"
	some key, value in configmap.data
	value != ""
	looks_sensitive(key, value)
	not excused(key, value)

	path := sprintf("data[%s]", [key])
	msga := {
		"alertMessage": sprintf("ConfigMap '%s': entry '%s' holds what looks like a credential", [object.get(configmap, ["metadata", "name"], ""), key]),
		"packagename": "armo_builtins",
		"alertScore": 9,
		"deletePaths": [path],
		"failedPaths": [path],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [configmap]},
	}
}

looks_sensitive(key, _) if {
	some word in data.postureControlInputs.sensitiveKeyNames
	contains(lower(key), lower(word))
}

looks_sensitive(_, value) if {
	some pattern in data.postureControlInputs.sensitiveValues
	regex.match(pattern, value)
}

looks_sensitive(_, value) if {
	some pattern in data.postureControlInputs.sensitiveValues
	regex.match(pattern, base64.decode(value))
}

excused(key, _) if {
	some word in data.postureControlInputs.sensitiveKeyNamesAllowed
	contains(lower(key), lower(word))
}

excused(_, value) if {
	some pattern in data.postureControlInputs.sensitiveValuesAllowed
	regex.match(pattern, value)
}
