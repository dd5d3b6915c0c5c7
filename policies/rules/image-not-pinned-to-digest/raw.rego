package armo_builtins

import rego.v1

# Every image (regular, init and ephemeral containers) must be pinned to a
# digest: a tag can be moved to different content at any time, a digest
# cannot. Repositories listed in imageDigestExemptRepositories are exempt.

deny contains msga if {
	wl := input[_]
	spec_path := pod_spec_path(wl)
	some group in ["containers", "initContainers", "ephemeralContainers"]
	some i, container in object.get(wl, array.concat(split(spec_path, "."), [group]), [])
	image := container.image
	not pinned(image)
	not exempt(image)

	path := sprintf("%s.%s[%d].image", [spec_path, group, i])
	msga := {
		"alertMessage": sprintf("%s '%s': container '%s' uses image '%s', which is not pinned to a digest", [wl.kind, object.get(wl, ["metadata", "name"], ""), object.get(container, "name", ""), image]),
		"packagename": "armo_builtins",
		"alertScore": 3,
		"reviewPaths": [path],
		"failedPaths": [path],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [wl]},
	}
}

# The reference ends in '@<algorithm>:<encoded>'. The registered OCI
# algorithms must have their exact length of lower-case hex; any other
# algorithm only has to follow the OCI digest grammar.
pinned(image) if regex.match(`@sha256:[a-f0-9]{64}$`, image)

pinned(image) if regex.match(`@sha512:[a-f0-9]{128}$`, image)

pinned(image) if regex.match(`@blake3:[a-f0-9]{64}$`, image)

pinned(image) if {
	regex.match(`@[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$`, image)
	not regex.match(`@(?:sha256|sha512|blake3):[^@]*$`, image)
}

# An exempt repository matches the image as written or in its normalised
# Docker form, and only at a component boundary: "internal" exempts
# "internal/app" and "internal:5000/app" but not "internal-evil/app".
exempt(image) if {
	some repository in data.postureControlInputs.imageDigestExemptRepositories
	some name in image_names(image)
	startswith(name, repository)
	boundary(substring(name, count(repository), -1))
}

boundary("")

boundary(rest) if startswith(rest, "/")

boundary(rest) if startswith(rest, ":")

boundary(rest) if startswith(rest, "@")

image_names(image) := {image, normalized_image(image), short_docker_name(normalized_image(image))}

# ---- Docker reference normalisation (as distribution/reference does it) ----

# A first component that contains '.' or ':', is 'localhost' or has
# upper-case letters names a registry; otherwise the image is on Docker Hub,
# where single-component names live under library/.
normalized_image(image) := concat("/", [domain, library_prefixed(domain, remainder)]) if {
	parts := split_domain(image)
	domain := canonical_domain(parts[0])
	remainder := parts[1]
}

split_domain(image) := ["docker.io", image] if not contains(image, "/")

split_domain(image) := [first, substring(image, count(first) + 1, -1)] if {
	contains(image, "/")
	first := split(image, "/")[0]
	registry_host(first)
}

split_domain(image) := ["docker.io", image] if {
	contains(image, "/")
	not registry_host(split(image, "/")[0])
}

registry_host(component) if contains(component, ".")

registry_host(component) if contains(component, ":")

registry_host("localhost")

registry_host(component) if lower(component) != component

canonical_domain("index.docker.io") := "docker.io"

canonical_domain(domain) := domain if domain != "index.docker.io"

library_prefixed("docker.io", remainder) := concat("/", ["library", remainder]) if not contains(remainder, "/")

library_prefixed(domain, remainder) := remainder if domain != "docker.io"

library_prefixed(_, remainder) := remainder if contains(remainder, "/")

# docker.io/library/nginx is also known as docker.io/nginx.
short_docker_name(name) := concat("", ["docker.io/", substring(name, count("docker.io/library/"), -1)]) if startswith(name, "docker.io/library/")

short_docker_name(name) := name if not startswith(name, "docker.io/library/")

pod_spec_path(wl) := "spec" if wl.kind == "Pod"

pod_spec_path(wl) := "spec.template.spec" if wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}

pod_spec_path(wl) := "spec.jobTemplate.spec.template.spec" if wl.kind == "CronJob"
