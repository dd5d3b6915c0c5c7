package armo_builtins

import rego.v1

# Fails for each Pod or workload whose pods a Service exposes on an SSH port:
# an SSH daemon in a container is a standing remote shell that bypasses the
# API server's authentication, authorization and audit.
deny contains msga if {
	some wl in input
	wl.kind in {"Pod", "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "CronJob"}
	some svc in input
	service_selects(svc, wl)
	ssh_port(svc, wl)
	path := labels_path(wl)

	msga := {
		"alertMessage": message(wl, svc),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"reviewPaths": [path],
		"failedPaths": [path],
		"fixPaths": [],
		"alertObject": {
			"k8sApiObjects": [],
			"externalObjects": {
				"name": wl.metadata.name,
				"namespace": namespace_of(wl),
				"kind": wl.kind,
				"relatedObjects": [svc],
			},
		},
	}
}

message(wl, svc) := sprintf("pod %v/%v exposed by SSH service: %v", [namespace_of(wl), wl.metadata.name, svc.metadata.name]) if {
	wl.kind == "Pod"
}

message(wl, svc) := sprintf("%v: %v is exposed by SSH service: %v", [wl.kind, wl.metadata.name, svc.metadata.name]) if {
	wl.kind != "Pod"
}

labels_path(wl) := "metadata.labels" if wl.kind == "Pod"

labels_path(wl) := "spec.template.metadata.labels" if {
	wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}
}

labels_path(wl) := "spec.jobTemplate.spec.template.metadata.labels" if wl.kind == "CronJob"

# Port 22 is the SSH default and 2222 its usual unprivileged stand-in. A
# named targetPort is resolved against the container ports of the pods.
ssh_port(svc, _) if {
	some p in svc.spec.ports
	some field in ["port", "targetPort"]
	p[field] in {22, 2222}
}

ssh_port(svc, wl) if {
	some p in svc.spec.ports
	is_string(p.targetPort)
	some c in pod_spec(wl).containers
	some cp in c.ports
	cp.name == p.targetPort
	cp.containerPort in {22, 2222}
}

pod_spec(wl) := wl.spec if wl.kind == "Pod"

pod_spec(wl) := wl.spec.template.spec if {
	wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}
}

pod_spec(wl) := wl.spec.jobTemplate.spec.template.spec if wl.kind == "CronJob"

namespace_of(obj) := object.get(obj.metadata, "namespace", "default")

# The labels the workload's pods get.
pod_labels(wl) := object.get(wl.metadata, "labels", {}) if wl.kind == "Pod"

pod_labels(wl) := object.get(wl, ["spec", "template", "metadata", "labels"], {}) if {
	wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}
}

pod_labels(wl) := object.get(wl, ["spec", "jobTemplate", "spec", "template", "metadata", "labels"], {}) if {
	wl.kind == "CronJob"
}

# A Service sends traffic to the pods of its namespace whose labels include
# every pair of its (non-empty) selector.
service_selects(svc, wl) if {
	svc.kind == "Service"
	namespace_of(svc) == namespace_of(wl)
	selector := svc.spec.selector
	count(selector) > 0
	labels := pod_labels(wl)
	every key in object.keys(selector) {
		labels[key] == selector[key]
	}
}
