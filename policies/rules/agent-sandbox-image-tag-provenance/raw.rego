package armo_builtins

import rego.v1

# Every image of an Agent Sandbox SandboxTemplate (containers and init
# containers) must name fixed content: a digest, or at least a version tag.
# No tag, the tag latest, or a tag listed in floatingImageTags all let the
# content change under the same name.

deny contains msga if {
	template := input[_]
	template.kind == "SandboxTemplate"
	some group in ["containers", "initContainers"]
	some i, container in object.get(template, ["spec", "podTemplate", "spec", group], [])
	image := object.get(container, "image", "")
	image != ""
	moving_reference(image)

	msga := {
		"alertMessage": sprintf("SandboxTemplate '%s': container '%s' uses image '%s', which has no digest and no fixed version tag", [object.get(template, ["metadata", "name"], ""), object.get(container, "name", ""), image]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [sprintf("spec.podTemplate.spec.%s[%d].image", [group, i])],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [template]},
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

# The tag is whatever follows ':' in the last path component (a ':' in an
# earlier component is a registry port); an empty tag is no tag.
image_tag(image) := tag if {
	components := split(image, "/")
	last := components[count(components) - 1]
	contains(last, ":")
	tag := substring(last, indexof(last, ":") + 1, -1)
	tag != ""
}
