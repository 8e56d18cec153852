namespace Portal.Core.Outbound;

/// <summary>
/// The <c>Portal:Outbound</c> section: limits on every call the portal makes to a third party
/// (test-connect, OAuth token exchange and refresh).
/// </summary>
public sealed class OutboundOptions
{
    public const string Section = "Portal:Outbound";

    /// <summary>
    /// Lets calls reach loopback, private (RFC 1918, ULA), link-local and similar addresses.
    /// Off by default, so a tenant cannot aim the portal at its own network; turn it on for
    /// development and tests, where integrations run on localhost.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The most of a response body the portal reads.</summary>
    public int MaxResponseBytes { get; set; } = 1024 * 1024;

    /// <summary>Redirects followed, and only to the same scheme, host and port (the credential stays with its host).</summary>
    public int MaxRedirects { get; set; } = 3;
}
