package armo_builtins

import rego.v1

# Every namespace is in scope for this control.
deny contains msga if {
	some ns in input
	ns.kind == "Namespace"

	msga := {
		"alertMessage": sprintf("Namespace: %v", [ns.metadata.name]),
		"packagename": "armo_builtins",
		"alertScore": 9,
		"failedPaths": [],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [ns]},
	}
}
