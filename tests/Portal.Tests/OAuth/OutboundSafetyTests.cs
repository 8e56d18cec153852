using System.Net;
using Portal.Core.Outbound;
using Portal.Tests.Infrastructure;
using static Portal.Tests.OAuth.VerificationData;

namespace Portal.Tests.OAuth;

/// <summary>Outbound calls refuse loopback and private addresses unless Portal:Outbound:AllowPrivateNetworks is true.</summary>
public sealed class OutboundSafetyTests : IAsyncLifetime
{
    private readonly PortalApplication _app = new() { AllowPrivateNetworks = false };
    private LoopbackUpstream _upstream = null!;

    public async Task InitializeAsync() => _upstream = await LoopbackUpstream.StartAsync();

    public async Task DisposeAsync()
    {
        await _upstream.DisposeAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task A_loopback_test_url_is_refused_with_a_clear_reason()
    {
        using var http = await _app.ClientAsync();
        var (integration, config) = await http.ConfigAsync(_upstream.BaseUrl, ConfigWithAuth(Auth("key", Key(LoopbackUpstream.ApiKey))));
        var result = await http.VerifiedAsync(integration, config);
        Assert.False(result["success"]!.GetValue<bool>());
        Assert.Contains("loopback, private or link-local", result["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_host_name_resolving_to_loopback_is_refused_too()
    {
        using var http = await _app.ClientAsync();
        var (integration, config) = await http.ConfigAsync(_upstream.OtherHostUrl, ConfigWithAuth(Auth("key", Key(LoopbackUpstream.ApiKey))));
        var result = await http.VerifiedAsync(integration, config);
        Assert.Contains("'localhost'", result["error"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("10.1.2.3", true)]
    [InlineData("172.16.0.1", true)]
    [InlineData("192.168.1.1", true)]
    [InlineData("169.254.169.254", true)]
    [InlineData("100.64.0.1", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("::1", true)]
    [InlineData("fe80::1", true)]
    [InlineData("fd00::1", true)]
    [InlineData("::ffff:10.0.0.1", true)]
    [InlineData("93.184.216.34", false)]
    [InlineData("2606:4700::1111", false)]
    public void Private_addresses_are_recognised_in_IPv4_and_IPv6(string address, bool isPrivate) =>
        Assert.Equal(isPrivate, OutboundHttp.IsPrivate(IPAddress.Parse(address)));
}
