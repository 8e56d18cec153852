using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Portal.Core.SecretScanning;

/// <summary>
/// The <c>Portal:SecretScanning:GitHub</c> section: where the public keys that sign GitHub's secret scanning reports
/// come from. <see cref="KeysUrl"/> is GitHub's <c>meta/public_keys/secret_scanning</c> document, fetched through the
/// outbound client and cached; <see cref="PublicKeys"/> are keys configured directly (offline, and in tests). With
/// neither, every report is refused (401): nothing can be verified.
/// </summary>
public sealed class GitHubSecretScanningOptions
{
    public const string Section = "Portal:SecretScanning:GitHub";

    /// <summary>E.g. <c>https://api.github.com/meta/public_keys/secret_scanning</c>; null or empty = no fetching.</summary>
    public string? KeysUrl { get; set; }

    /// <summary>Keys known without fetching, each a key identifier and a PEM <c>PUBLIC KEY</c> (ECDSA P-256).</summary>
    public List<GitHubPublicKeyOption> PublicKeys { get; set; } = [];

    /// <summary>How long a fetched key document is used before it is fetched again (an unknown identifier fetches sooner, at most once a minute).</summary>
    public TimeSpan KeysCacheFor { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>One configured public key: the identifier GitHub sends in <c>Github-Public-Key-Identifier</c>, and the key in PEM.</summary>
public sealed class GitHubPublicKeyOption
{
    public string? KeyIdentifier { get; set; }

    public string? Key { get; set; }
}

/// <summary>Refuses to start with a key that cannot verify anything or a keys URL that is not one, in one line naming the setting.</summary>
internal sealed class GitHubSecretScanningOptionsValidation : IValidateOptions<GitHubSecretScanningOptions>
{
    public ValidateOptionsResult Validate(string? name, GitHubSecretScanningOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrEmpty(options.KeysUrl)
            && !(Uri.TryCreate(options.KeysUrl, UriKind.Absolute, out var url) && url.Scheme is "https" or "http"))
        {
            failures.Add($"{GitHubSecretScanningOptions.Section}:KeysUrl must be an absolute http(s) URL.");
        }

        for (var i = 0; i < options.PublicKeys.Count; i++)
        {
            var key = options.PublicKeys[i];
            if (string.IsNullOrWhiteSpace(key.KeyIdentifier))
            {
                failures.Add($"{GitHubSecretScanningOptions.Section}:PublicKeys:{i}:KeyIdentifier is required.");
            }

            if (GitHubSignature.Import(key.Key) is not { } ecdsa)
            {
                failures.Add($"{GitHubSecretScanningOptions.Section}:PublicKeys:{i}:Key must be a PEM public key (-----BEGIN PUBLIC KEY-----, ECDSA P-256).");
            }
            else
            {
                ecdsa.Dispose();
            }
        }

        if (options.KeysCacheFor <= TimeSpan.Zero)
        {
            failures.Add($"{GitHubSecretScanningOptions.Section}:KeysCacheFor must be positive.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
