using System.Net;
using System.Net.Sockets;

namespace Orchestrator.Testing;

/// <summary>Free TCP ports on 127.0.0.1, for servers that cannot be told to listen on port 0.</summary>
public static class LoopbackPorts
{
    public static int Free()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
