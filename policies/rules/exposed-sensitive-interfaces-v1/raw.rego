package armo_builtins

import rego.v1

# Fails for each workload whose name contains one of the configured sensitive
# interfaces (dashboards, CI servers, notebook and model servers, ...) and
# whose pods a NodePort Service, or a LoadBalancer Service that has been given
# an external address, exposes outside the cluster.
deny contains msga if {
	some wl in input
	wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "Pod", "CronJob"}
	is_sensitive_interface(wl.metadata.name)
	some svc in input
	exposed_outside(svc)
	service_selects(svc, wl)

	msga := {
		"alertMessage": sprintf("service: %v is exposed", [svc.metadata.name]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"reviewPaths": ["spec.selector.matchLabels", "spec.selector"],
		"failedPaths": ["spec.selector.matchLabels", "spec.selector"],
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

is_sensitive_interface(name) if {
	some interface in data.postureControlInputs.sensitiveInterfaces
	contains(name, interface)
}

# A NodePort is open on every node.
exposed_outside(svc) if svc.spec.type == "NodePort"

# A LoadBalancer counts once the cloud has given it an address (an IP, or a
# hostname as on AWS).
exposed_outside(svc) if {
	svc.spec.type == "LoadBalancer"
	some ingress in svc.status.loadBalancer.ingress
	some field in ["ip", "hostname"]
	ingress[field] != ""
}

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
