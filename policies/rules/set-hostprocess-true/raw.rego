package armo_builtins

import rego.v1

# A HostProcess container on Windows runs directly on the host, with the
# host's network and filesystem and (typically) SYSTEM privileges: no
# isolation at all. Reports windowsOptions.hostProcess: true wherever it is
# set: in the pod securityContext and on each container that sets it.
# Covered: Pods and the pod templates of Deployment, ReplicaSet, DaemonSet,
# StatefulSet, Job and CronJob; containers, initContainers and
# ephemeralContainers.

# Pod level.
deny contains msga if {
	obj := input[_]
	pod := pod_spec(obj)
	pod.spec.securityContext.windowsOptions.hostProcess == true
	path := sprintf("%s.securityContext.windowsOptions.hostProcess", [pod.path])

	msga := {
		"alertMessage": sprintf("%v %v: the pod securityContext sets windowsOptions.hostProcess to true", [obj.kind, object_name(obj)]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [path],
		"fixPaths": [{"path": path, "value": "false"}],
		"alertObject": {"k8sApiObjects": [obj]},
	}
}

# Container level.
deny contains msga if {
	obj := input[_]
	pod := pod_spec(obj)
	some family in ["containers", "initContainers", "ephemeralContainers"]
	some i, container in object.get(pod.spec, family, [])
	container.securityContext.windowsOptions.hostProcess == true
	path := sprintf("%s.%s[%d].securityContext.windowsOptions.hostProcess", [pod.path, family, i])

	msga := {
		"alertMessage": sprintf("%v %v: container %v sets windowsOptions.hostProcess to true", [obj.kind, object_name(obj), object.get(container, "name", "")]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [path],
		"fixPaths": [{"path": path, "value": "false"}],
		"alertObject": {"k8sApiObjects": [obj]},
	}
}

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
