// Every [Property] in this assembly: at least 100 cases, the model's Arbitraries, FSCHECK_REPLAY/FSCHECK_MAXTEST honoured.
[assembly: Functional.Tests.Shared.PropertyDefaults]
