package armo_builtins

import rego.v1

# Only the sysctls the kubelet allows by default are namespaced and harmless
# (the "safe" set of Kubernetes' pkg/kubelet/sysctl). Any other sysctl in the
# pod securityContext needs --allowed-unsafe-sysctls on the node and may
# affect other pods or the node. Names written with '/' separators are
# normalised the way Kubernetes does before comparison.
# Covered: Pods and the pod templates of Deployment, ReplicaSet, DaemonSet,
# StatefulSet, Job and CronJob.

deny contains msga if {
	obj := input[_]
	pod := pod_spec(obj)
	unsafe := [sysctl.name |
		some sysctl in pod.spec.securityContext.sysctls
		not safe_sysctl(normalized(sysctl.name))
	]
	count(unsafe) > 0
	path := sprintf("%s.securityContext.sysctls", [pod.path])

	msga := {
		"alertMessage": sprintf("%v %v: the pod securityContext sets sysctls outside the safe set: %v", [obj.kind, object_name(obj), concat(", ", unsafe)]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [path],
		"fixPaths": [{"path": path, "value": "REMOVE_UNSAFE_SYSCTLS"}],
		"alertObject": {"k8sApiObjects": [obj]},
	}
}

# The kubelet's default allow-list (Kubernetes v1.32+).
safe_sysctl(name) if {
	name in {
		"kernel.shm_rmid_forced",
		"net.ipv4.ip_local_port_range",
		"net.ipv4.ip_local_reserved_ports",
		"net.ipv4.ip_unprivileged_port_start",
		"net.ipv4.ping_group_range",
		"net.ipv4.tcp_fin_timeout",
		"net.ipv4.tcp_keepalive_intvl",
		"net.ipv4.tcp_keepalive_probes",
		"net.ipv4.tcp_keepalive_time",
		"net.ipv4.tcp_rmem",
		"net.ipv4.tcp_syncookies",
		"net.ipv4.tcp_wmem",
	}
}

# A name whose first separator is '/' uses '/' between components and '.'
# inside them (net/ipv4/conf/eth0.100/rp_filter): swap the two.
normalized(name) := concat("/", [replace(part, "/", ".") | some part in split(name, ".")]) if {
	regex.match(`^[^./]*/`, name)
} else := name

object_name(obj) := object.get(obj, ["metadata", "name"], "")

pod_spec(obj) := {"spec": object.get(obj, "spec", {}), "path": "spec"} if {
	obj.kind == "Pod"
}

pod_spec(obj) := {"spec": object.get(obj, ["spec", "template", "spec"], {}), "path": "spec.template.spec"} if {
	obj.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}
}

pod_spec(obj) := {"spec": object.get(obj, ["spec", "jobTemplate", "spec", "template", "spec"], {}), "path": "spec.jobTemplate.spec.template.spec"} if {
	obj.kind == "CronJob"
}
