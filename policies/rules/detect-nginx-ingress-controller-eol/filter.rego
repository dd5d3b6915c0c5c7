package armo_builtins

import rego.v1

# Every Deployment, DaemonSet and StatefulSet is judged (and passes when it
# runs no ingress-nginx controller).
deny contains msga if {
	workload := input[_]
	workload.kind in {"Deployment", "DaemonSet", "StatefulSet"}
	msga := {"alertMessage": "", "alertObject": {"k8sApiObjects": [workload]}}
}
