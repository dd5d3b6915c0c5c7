// goref: the Go libraries whose behaviour kso must match, as a test oracle
// (test-only; never shipped).
//
//	goref v3 FILE...         gopkg.in/yaml.v3 (upstream Kubescape's file loader)
//	goref k8s FILE...        sigs.k8s.io/yaml YAMLToJSON (kubectl, the API server)
//	goref json FILE...       encoding/json: decode each value of a JSON stream
//	                         into interface{} and encode it compactly, without
//	                         HTML escaping
//	goref json-html FILE...  the same with json.Marshal (HTML escaping)
//
// For each file it prints "=== FILE", then one line per document or value:
// compact JSON (Go sorts object keys), or "ERROR <message>" when the
// library refuses the input (and then nothing more for that file).
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
	modes := map[string]func(io.Writer, []byte){
		"v3": v3, "k8s": k8s,
		"json":      func(w io.Writer, d []byte) { goJSON(w, d, false) },
		"json-html": func(w io.Writer, d []byte) { goJSON(w, d, true) },
	}
	if len(os.Args) < 3 || modes[os.Args[1]] == nil {
		fmt.Fprintln(os.Stderr, "usage: goref v3|k8s|json|json-html FILE...")
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
		modes[os.Args[1]](out, data)
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

func goJSON(out io.Writer, data []byte, html bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var v interface{}
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return
		}
		var b []byte
		if err == nil {
			if html {
				b, err = json.Marshal(v)
			} else {
				var buf bytes.Buffer
				enc := json.NewEncoder(&buf)
				enc.SetEscapeHTML(false)
				err = enc.Encode(v)
				b = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
			}
		}
		if err != nil {
			fmt.Fprintf(out, "ERROR %s\n", oneLine(err.Error()))
			return
		}
		fmt.Fprintf(out, "%s\n", b)
	}
}
