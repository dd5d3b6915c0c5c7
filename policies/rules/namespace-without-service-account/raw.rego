# Namespaces in which the input has no ServiceAccount other than "default":
# every workload there necessarily runs as the default service account.
package armo_builtins

import rego.v1

deny contains msga if {
	some ns in input
	ns.kind == "Namespace"
	not has_dedicated_account(ns.metadata.name)

	msga := {
		"alertMessage": sprintf("Namespace: %v does not have any service accounts besides 'default'", [ns.metadata.name]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [ns]},
	}
}

has_dedicated_account(namespace) if {
	some sa in input
	sa.kind == "ServiceAccount"
	sa.metadata.namespace == namespace
	sa.metadata.name != "default"
}
