# Namespaces in which the input has no ServiceAccount other than "default":
# every workload there necessarily runs as the default service account.
package armo_builtins

import rego.v1

deny contains msga if {
	# The namespaces that have a ServiceAccount other than "default",
	# collected once before the namespaces are visited.
	served := {sa.metadata.namespace |
		some sa in input
		sa.kind == "ServiceAccount"
		sa.metadata.name != "default"
	}

	some ns in input
	ns.kind == "Namespace"
	not ns.metadata.name in served

	msga := {
		"alertMessage": sprintf("Namespace: %v does not have any service accounts besides 'default'", [ns.metadata.name]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [ns]},
	}
}
