package openapi_test

import (
	"bytes"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/openapi"
)

func TestLoadValidates(t *testing.T) {
	doc, err := openapi.Load()
	if err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
	want := openapi.OperationIDs()
	got := map[string]bool{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			got[op.OperationID] = true
		}
	}
	for _, id := range want {
		if !got[id] {
			t.Errorf("operation %s missing", id)
		}
	}
	if len(got) != len(want) {
		t.Errorf("operations = %v, want exactly %v", got, want)
	}
}

// TestParseRejectsBrokenDocument proves the loader's validation bites.
func TestParseRejectsBrokenDocument(t *testing.T) {
	broken := bytes.Replace(openapi.YAML, []byte("$ref: '#/components/schemas/OrderName'"), []byte("$ref: '#/components/schemas/NoSuchSchema'"), 1)
	if bytes.Equal(broken, openapi.YAML) {
		t.Fatal("the mutation did not apply")
	}
	if _, err := openapi.ParseData(broken); err == nil {
		t.Fatal("Parse accepted a document with a dangling $ref")
	}
}

// TestSpecIndex: the index is built on Load's document (parsed once) and
// reads each operation's method, path parameter, body and success keys.
func TestSpecIndex(t *testing.T) {
	ix, err := openapi.Spec()
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := openapi.Load()
	if ix.Doc != doc {
		t.Error("the index parsed the document again")
	}
	if again, _ := openapi.Spec(); again != ix {
		t.Error("Spec built a second index")
	}
	cancel := ix.Operation(openapi.OpCancelPayment)
	if cancel == nil || cancel.Method != "POST" || cancel.PathParam != "paymentKey" || cancel.BodySchema == nil ||
		cancel.Param("header", "Idempotency-Key") == nil || cancel.SuccessStatus != 200 {
		t.Fatalf("cancelPayment = %+v", cancel)
	}
	get := ix.Operation(openapi.OpGetPayment)
	if get == nil || get.Method != "GET" || get.Body != nil || len(get.SuccessRequired) == 0 {
		t.Fatalf("getPayment = %+v", get)
	}
	if ix.Operation("noSuchOperation") != nil || len(ix.Operations()) != len(openapi.OperationIDs()) {
		t.Error("the index holds operations the document does not")
	}
}
