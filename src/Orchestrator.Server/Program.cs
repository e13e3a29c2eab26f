using Orchestrator.Server.Hosting;

return await OrchestratorHost.RunAsync(OrchestratorHost.Build(args), Console.Error);
