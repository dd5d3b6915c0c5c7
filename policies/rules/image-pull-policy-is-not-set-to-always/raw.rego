package armo_builtins

import rego.v1

# A container whose image name can point at different content over time
# (tag latest, no tag at all, or a tag listed in floatingImageTags) must be
# pulled on every start; IfNotPresent and Never keep running whatever stale
# copy the node happens to have. A digest pins the content, so images
# referenced by digest are fine with any pull policy.

deny contains msga if {
	wl := input[_]
	spec_path := pod_spec_path(wl)
	some i, container in object.get(wl, split(spec_path, "."), {}).containers
	container.imagePullPolicy in {"IfNotPresent", "Never"}
	moving_reference(container.image)

	paths := [
		sprintf("%s.containers[%d].image", [spec_path, i]),
		sprintf("%s.containers[%d].imagePullPolicy", [spec_path, i]),
	]
	msga := {
		"alertMessage": sprintf("%s '%s': container '%s' runs the moving image reference '%s' with imagePullPolicy %s", [wl.kind, object.get(wl, ["metadata", "name"], ""), object.get(container, "name", ""), container.image, container.imagePullPolicy]),
		"packagename": "armo_builtins",
		"alertScore": 2,
		"reviewPaths": paths,
		"failedPaths": paths,
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [wl]},
	}
}

moving_reference(image) if {
	not contains(image, "@")
	not image_tag(image)
}

moving_reference(image) if {
	not contains(image, "@")
	image_tag(image) == "latest"
}

moving_reference(image) if {
	not contains(image, "@")
	image_tag(image) in data.postureControlInputs.floatingImageTags
}

# The tag is whatever follows ':' in the last path component; a ':' in an
# earlier component is a registry port.
image_tag(image) := tag if {
	components := split(image, "/")
	last := components[count(components) - 1]
	contains(last, ":")
	tag := substring(last, indexof(last, ":") + 1, -1)
}

pod_spec_path(wl) := "spec" if wl.kind == "Pod"

pod_spec_path(wl) := "spec.template.spec" if wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}

pod_spec_path(wl) := "spec.jobTemplate.spec.template.spec" if wl.kind == "CronJob"
