using Orchestrator.Server.Hosting;

var app = OrchestratorHost.Build(args);
await app.RunAsync();
