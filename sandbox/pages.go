package sandbox

import (
	"embed"
	"html/template"
)

// The browser pages are html/template files in pages/, embedded: the
// checkout page (a payment's checkout.url), the sales slip (receipt.url),
// the error page of both, and the dashboard's pages (one file of named
// templates: login, list, payment, error, sharing head and foot).
//
//go:embed pages/*.html
var pageFiles embed.FS

var (
	checkoutPage       = template.Must(template.ParseFS(pageFiles, "pages/checkout.html")).Lookup("checkout.html")
	receiptPage        = template.Must(template.ParseFS(pageFiles, "pages/receipt.html")).Lookup("receipt.html")
	errorPage          = template.Must(template.ParseFS(pageFiles, "pages/error.html")).Lookup("error.html")
	billingPage        = template.Must(template.ParseFS(pageFiles, "pages/billing.html")).Lookup("billing.html")
	dashboardTemplates = template.Must(template.ParseFS(pageFiles, "pages/dashboard.html"))
)
