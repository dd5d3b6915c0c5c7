package armo_builtins

import rego.v1

# The rule only judges objects in kube-system; only those count as checked.
deny contains msga if {
	some obj in input
	obj.metadata.namespace == "kube-system"
	msga := {"alertMessage": "", "alertObject": {"k8sApiObjects": [obj]}}
}
