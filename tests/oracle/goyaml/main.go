// goyaml: the reference YAML readers Kubernetes tools use, as a test oracle
// for kso's YAML reader (test-only; never shipped).
//
//	goyaml v3 FILE...   gopkg.in/yaml.v3 (upstream Kubescape's file loader)
//	goyaml k8s FILE...  sigs.k8s.io/yaml YAMLToJSON (kubectl, the API server)
//
// For each file it prints one line per document: the document as compact
// JSON with sorted keys (Go encoding/json), or "ERROR <message>" when the
// reader refuses it (and then nothing more for that file). Files are
// separated by a line "=== FILE".
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	yamlv3 "gopkg.in/yaml.v3"
	k8syaml "sigs.k8s.io/yaml"
)

func main() {
	if len(os.Args) < 3 || (os.Args[1] != "v3" && os.Args[1] != "k8s") {
		fmt.Fprintln(os.Stderr, "usage: goyaml v3|k8s FILE...")
		os.Exit(2)
	}
	out := bufio(os.Stdout)
	for _, path := range os.Args[2:] {
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Fprintf(out, "=== %s\n", path)
		if os.Args[1] == "v3" {
			v3(out, data)
		} else {
			k8s(out, data)
		}
	}
	out.Flush()
}

type writer struct {
	w   io.Writer
	buf bytes.Buffer
}

func bufio(w io.Writer) *writer { return &writer{w: w} }

func (b *writer) Write(p []byte) (int, error) { return b.buf.Write(p) }
func (b *writer) Flush()                       { b.w.Write(b.buf.Bytes()) }

func oneLine(s string) string {
	return string(bytes.ReplaceAll([]byte(s), []byte("\n"), []byte(" ")))
}

// jsonable turns yaml.v3's map[interface{}]interface{} (non-string keys)
// into JSON objects the way sigs.k8s.io/yaml does: keys as their JSON text,
// timestamps as their RFC 3339 text. (Upstream Kubescape's own conversion
// fails on such maps; this gives the comparison something to compare.)
func jsonable(v interface{}) (interface{}, error) {
	switch t := v.(type) {
	case map[string]interface{}:
		for k, x := range t {
			y, err := jsonable(x)
			if err != nil {
				return nil, err
			}
			t[k] = y
		}
		return t, nil
	case map[interface{}]interface{}:
		m := map[string]interface{}{}
		for k, x := range t {
			y, err := jsonable(x)
			if err != nil {
				return nil, err
			}
			switch kk := k.(type) {
			case string:
				m[kk] = y
			case nil:
				m["null"] = y
			case time.Time:
				// as a value would be marshalled, without the quotes
				m[kk.Format(time.RFC3339Nano)] = y
			default:
				b, err := json.Marshal(kk)
				if err != nil {
					return nil, err
				}
				m[string(b)] = y
			}
		}
		return m, nil
	case []interface{}:
		for i, x := range t {
			y, err := jsonable(x)
			if err != nil {
				return nil, err
			}
			t[i] = y
		}
		return t, nil
	}
	return v, nil
}

func v3(out io.Writer, data []byte) {
	dec := yamlv3.NewDecoder(bytes.NewReader(data))
	for {
		var v interface{}
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return
		}
		if err == nil {
			v, err = jsonable(v)
		}
		var b []byte
		if err == nil {
			b, err = json.Marshal(v)
		}
		if err != nil {
			fmt.Fprintf(out, "ERROR %s\n", oneLine(err.Error()))
			return
		}
		fmt.Fprintf(out, "%s\n", b)
	}
}

func k8s(out io.Writer, data []byte) {
	b, err := k8syaml.YAMLToJSON(data)
	if err != nil {
		fmt.Fprintf(out, "ERROR %s\n", oneLine(err.Error()))
		return
	}
	var v interface{}
	if err := json.Unmarshal(b, &v); err != nil {
		fmt.Fprintf(out, "ERROR %s\n", oneLine(err.Error()))
		return
	}
	b, _ = json.Marshal(v)
	fmt.Fprintf(out, "%s\n", b)
}
