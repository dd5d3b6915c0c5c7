# Workloads that run as the kubernetes-dashboard service account without
# being the dashboard itself (whose objects are named kubernetes-dashboard*).
package armo_builtins

import rego.v1

deny contains msga if {
	some wl in input
	wl.kind == "Pod"
	uses_dashboard_account(wl, wl.spec)
	msga := finding(wl, sprintf("the following pods: %s are associated with dashboard service account", [wl.metadata.name]), "spec")
}

deny contains msga if {
	some wl in input
	wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}
	uses_dashboard_account(wl, wl.spec.template.spec)
	msga := finding(wl, sprintf("%v: %v is associated with dashboard service account", [wl.kind, wl.metadata.name]), "spec.template.spec")
}

deny contains msga if {
	some wl in input
	wl.kind == "CronJob"
	uses_dashboard_account(wl, wl.spec.jobTemplate.spec.template.spec)
	msga := finding(wl, sprintf("the following cronjob: %s is associated with dashboard service account", [wl.metadata.name]), "spec.jobTemplate.spec.template.spec")
}

uses_dashboard_account(wl, pod_spec) if {
	pod_spec.serviceAccountName == "kubernetes-dashboard"
	not startswith(wl.metadata.name, "kubernetes-dashboard")
}

finding(wl, message, spec_path) := {
	"alertMessage": message,
	"packagename": "armo_builtins",
	"alertScore": 7,
	"deletePaths": [path],
	"failedPaths": [path],
	"fixPaths": [],
	"alertObject": {"k8sApiObjects": [wl]},
} if {
	path := sprintf("%s.serviceAccountName", [spec_path])
}
