using Orchestrator.Server.Security;

namespace Orchestrator.Server.Tests.Hosting;

/// <summary>The decision behind <see cref="ListenAddressTests"/>, over the address forms Kestrel reports.</summary>
public sealed class ApiKeyPolicyTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8080", false)]
    [InlineData("http://localhost:8080", false)]
    [InlineData("http://[::1]:8080", false)]
    [InlineData("http://0.0.0.0:8080", true)]
    [InlineData("http://[::]:8080", true)]
    [InlineData("http://10.0.0.5:8080", true)]
    [InlineData("http://unix:/run/orchestrator.sock", true)]
    public async Task Decide_RequiresKeys_WhenAnAddressIsBeyondLoopback(string address, bool required)
    {
        var policy = new ApiKeyPolicy();

        policy.Decide(["http://127.0.0.1:9090", address], Keys(1));

        Assert.Equal(required, policy.Required);
        Assert.True(await policy.WhenDecided);
    }

    [Fact]
    public async Task Decide_Refuses_WhenNoAddressIsKnownAndThereAreNoKeys()
    {
        var policy = new ApiKeyPolicy();

        policy.Decide([], Keys(0));

        Assert.False(await policy.WhenDecided);
        Assert.Contains("unknown addresses", policy.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decide_Refuses_WhenKeysAreRequiredOnLoopbackButThereAreNone()
    {
        var policy = new ApiKeyPolicy();

        policy.Decide(["http://127.0.0.1:8080"], new SecurityOptions { RequireApiKeys = true });

        Assert.False(await policy.WhenDecided);
        Assert.StartsWith("Orchestrator:Security:RequireApiKeys is true", policy.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decide_ServesEveryoneAsAdmin_WhenOnLoopbackWithoutKeys()
    {
        var policy = new ApiKeyPolicy();

        policy.Decide(["http://127.0.0.1:8080", "http://[::1]:8080"], Keys(0));

        Assert.False(policy.Required);
        Assert.Null(policy.Refusal);
        Assert.True(await policy.WhenDecided);
    }

    private static SecurityOptions Keys(int count)
        => new() { ApiKeys = [.. Enumerable.Range(0, count).Select(i => new ApiKey { Key = $"policy-test-key-{i:D8}" })] };
}
