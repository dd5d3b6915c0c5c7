# Enumerates every Namespace of the input (the objects this rule judges).
package armo_builtins

import rego.v1

deny contains msga if {
	some ns in input
	ns.kind == "Namespace"

	msga := {
		"alertMessage": sprintf("Namespace: %v does not have any service accounts besides 'default'", [ns.metadata.name]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [ns]},
	}
}
