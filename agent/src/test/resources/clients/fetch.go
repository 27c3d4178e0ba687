// Go client of the matrix: an HTTP GET of the URL; exit 0 on 200.
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

func main() {
	c := &http.Client{Timeout: 20 * time.Second}
	r, err := c.Get(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "gofetch:", err)
		os.Exit(1)
	}
	defer r.Body.Close()
	io.Copy(io.Discard, r.Body)
	if r.StatusCode != 200 {
		fmt.Fprintln(os.Stderr, "gofetch: status", r.StatusCode)
		os.Exit(1)
	}
}
