package armo_builtins

import rego.v1

# k8s.gcr.io is frozen: images there get no updates or security fixes. Only
# kube-system workloads are checked; that is where the Kubernetes project's
# own images run.

deny contains msga if {
	wl := input[_]
	wl.metadata.namespace == "kube-system"
	spec_path := pod_spec_path(wl)
	some i, container in object.get(wl, split(spec_path, "."), {}).containers
	startswith(container.image, "k8s.gcr.io/")

	path := sprintf("%s.containers[%d].image", [spec_path, i])
	msga := {
		"alertMessage": sprintf("%s '%s': container '%s' pulls '%s' from the frozen k8s.gcr.io registry; use registry.k8s.io", [wl.kind, object.get(wl, ["metadata", "name"], ""), object.get(container, "name", ""), container.image]),
		"packagename": "armo_builtins",
		"alertScore": 2,
		"reviewPaths": [path],
		"failedPaths": [path],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [wl]},
	}
}

pod_spec_path(wl) := "spec" if wl.kind == "Pod"

pod_spec_path(wl) := "spec.template.spec" if wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}

pod_spec_path(wl) := "spec.jobTemplate.spec.template.spec" if wl.kind == "CronJob"
