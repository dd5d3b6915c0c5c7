# Enumerates every "default" ServiceAccount of the input (the objects this
# rule judges).
package armo_builtins

import rego.v1

deny contains msga if {
	some sa in input
	sa.kind == "ServiceAccount"
	sa.metadata.name == "default"

	msga := {
		"alertMessage": sprintf("the following service account: %v in the following namespace: %v mounts service account tokens in pods by default", [sa.metadata.name, object.get(sa, ["metadata", "namespace"], "default")]),
		"packagename": "armo_builtins",
		"alertScore": 9,
		"fixPaths": [],
		"failedPaths": [],
		"alertObject": {"k8sApiObjects": [sa]},
	}
}
