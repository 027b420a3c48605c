package demo

import "strings"

// Fixed vocabularies of the generator: subjects, policies, detection
// methods, threat names, file types. Values follow what Defender for
// Office 365 reports in advanced hunting.

var businessSubjects = []string{
	"Re: Project update", "Re: Lunch on Friday?", "Re: Offsite agenda", "Re: Candidate feedback",
	"Quarterly business review", "Re: Contract renewal", "Meeting notes", "FW: Invoice {n}",
	"Re: Quote {n}", "Purchase order {n}", "Re: Budget 2027 draft", "Customer escalation {n}",
	"Re: Timesheet approval", "Re: Travel plans", "Updated proposal", "Re: Statement of work",
	"Re: Shipping schedule", "Re: Support case {n}", "Welcome to the team!", "Re: Hiring plan",
	"Re: Product roadmap", "Re: Board deck", "RE: Data request", "Re: Workshop follow-up",
	"Re: Release {n} go/no-go", "Re: Pricing question", "Introductions", "Re: Vendor onboarding",
	"Townhall recording available", "Re: Security review", "Re: Design review", "Expense report {n}",
}

var bulkSubjects = []string{
	"Your weekly digest", "Your statement is ready", "Security alert: new sign-in",
	"Password reset confirmation", "Your order #{n} has shipped", "New login to your account",
	"[{brand}] Pull request #{n} was merged", "You appeared in {n} searches this week",
	"Invitation: Webinar on cloud security", "Your invoice {n} is available",
	"{brand} product update", "Reminder: complete your profile", "Your meeting recording is ready",
	"Action required: verify your email", "Your subscription renews soon", "Monthly newsletter",
}

var spamSubjects = []string{
	"Congratulations winner!!!", "Limited offer: 90% off", "Cheap meds online", "Work from home $5000/week",
	"You have (1) pending reward", "Re: your crypto portfolio", "Hot singles near you",
	"Final notice: claim your prize", "Increase your sales today", "SEO services for {domain}",
	"Your package could not be delivered", "Exclusive investment opportunity",
}

var phishSubjects = []string{
	"Action required: password expires today", "Unusual sign-in activity", "Shared document: Q4 bonus",
	"Your mailbox is full", "Invoice overdue - payment required", "Voicemail from +1 (555) 0{n}",
	"DocuSign: Please review and sign", "Urgent wire transfer", "Payroll update: confirm your details",
	"Microsoft 365: verify your account",
}

var malwareSubjects = []string{
	"Invoice {n} attached", "Remittance advice", "Scanned document", "Purchase order {n}",
	"Delivery note {n}", "Updated bank details",
}

var spamTLDs = []string{"top", "xyz", "info", "biz", "click", "shop", "online", "ru", "cn", "site"}

type policy struct{ name, guid string }

var (
	polAntispam      = policy{"Antispam", "2562cacf-ecab-45ae-b18a-4072ae29b68b"}
	polBulk          = policy{"Antispam bulk mail", "2a200d4c-f6a0-4711-a341-3bebfacb873c"}
	polPhish         = policy{"Antispam phishing", "9c65663b-11a5-47f7-b5ea-0541a0c6bd64"}
	polHighConf      = policy{"Antispam high-confidence", "e08ca982-b17e-40de-9c1e-566a96dc83b5"}
	polSpoof         = policy{"Anti-phishing spoof", "ce08d15d-abe6-4bcd-8946-3192bcc75d7f"}
	polDomainImp     = policy{"Anti-phishing domain impersonation", "bb7bac31-f9c6-4fbb-9451-a9dab9a99666"}
	polUserImp       = policy{"Anti-phishing user impersonation", "0c7a1a4e-3b2e-4c8f-9d5e-6a1f2b3c4d5e"}
	polSafeAttach    = policy{"Safe Attachments", "cca131d8-8f77-47db-96d6-a0d02e0f68f1"}
	polAntimalware   = policy{"Antimalware", "7d3e2a10-9b4c-4f6e-8a2d-1c5b6e7f8a9b"}
	polHighConfPhish = policy{"Antispam high-confidence phishing", "5f1e9c2d-7a3b-4e8f-b6d2-9c4a1e7f3b8d"}
)

var spamMethods = []string{"Advanced filter", "Domain reputation", "IP reputation", "Mixed analysis detection",
	"URL malicious reputation", "Fingerprint matching", "General filter"}

var malwareNames = []string{"Trojan:Script/Wacatac.H!ml", "Trojan:Win32/AgentTesla!ml", "TrojanDownloader:O97M/Donoff",
	"TrojanDownloader:JS/Nemucod", "Trojan:Win32/Wacatac.B!ml", "Backdoor:Win32/Qakbot.SA", "Trojan:HTML/Phish.PHL!MTB",
	"TrojanDownloader:HTML/Adodb.gen!A"}

var malwareMethods = []string{`"Antimalware protection"`, `"File detonation"`, `"File detonation reputation"`,
	`"File reputation"`, `"Content analysis"`, `"URL malicious reputation"`}

type fileKind struct {
	ext, fileType string
	minKB, maxKB  int
}

var benignFiles = []fileKind{
	{"pdf", "pdf", 40, 4000}, {"docx", "docx", 20, 2000}, {"xlsx", "xlsx", 15, 3000}, {"pptx", "pptx", 300, 12000},
	{"png", "png", 5, 900}, {"jpg", "jpeg", 20, 4000}, {"ics", "ics", 2, 8}, {"zip", "zip", 100, 20000},
	{"csv", "csv", 2, 500}, {"msg", "msg", 30, 800},
}

var fileStems = []string{"Report", "Invoice", "Agenda", "Minutes", "Proposal", "Contract", "Budget", "Slides",
	"Screenshot", "image001", "Quote", "Timesheet", "Roadmap", "Schedule", "Specs", "Statement", "invite"}

var pathWords = strings.Fields(`account docs view login news blog item order track product help support
	invite events files share pricing careers settings update download watch status`)

var languages = []string{"en", "de", "fr", "es", "nl", "pt", "ja", "it"}

var azureRegions = []struct{ server, region string }{
	{"DB8PR02MB", "eurprd02"}, {"AM6PR04MB", "eurprd04"}, {"VI1PR08MB", "eurprd08"}, {"LO2P265MB", "GBRP265"},
	{"BN6PR04MB", "namprd04"}, {"CH2PR11MB", "namprd11"}, {"SG2PR06MB", "apcprd06"}, {"FR3P281MB", "DEUP281"},
}
