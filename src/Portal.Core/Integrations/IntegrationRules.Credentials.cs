namespace Portal.Core.Integrations;

/// <summary>Which names and settings hold credentials, in any spelling: the one rule for what is kept encrypted and never shown.</summary>
public static partial class IntegrationRules
{
    /// <summary>
    /// Setting names that are always credentials, compared by <see cref="CredentialNameKey"/> (case, '_', '-', '.' and
    /// spaces ignored), so <c>client_secret</c>, <c>ClientSecret</c>, <c>API_KEY</c> and <c>api-key</c> count too.
    /// </summary>
    public static readonly IReadOnlySet<string> CredentialSettingNames = new HashSet<string>(StringComparer.Ordinal)
    {
        "clientSecret", "apiKey", "password", "token", "accessToken", "refreshToken", "secret", "privateKey",
    };

    private static readonly HashSet<string> CredentialNameKeys = CredentialSettingNames.Select(CredentialNameKey).ToHashSet(StringComparer.Ordinal);

    /// <summary>A name reduced for comparison: lower case, without '_', '-', '.' and spaces (<c>API_KEY</c> → <c>apikey</c>).</summary>
    public static string CredentialNameKey(string name) =>
        string.Concat(name.Where(c => c is not ('_' or '-' or '.' or ' ')).Select(char.ToLowerInvariant));

    /// <summary>The one rule for "this name holds a credential" (clientSecret, apiKey, password, token, accessToken, refreshToken, secret, privateKey, in any spelling).</summary>
    public static bool IsCredentialName(string name) => CredentialNameKeys.Contains(CredentialNameKey(name));

    /// <summary>Whether two names are spellings of the same credential name (<c>apiKey</c> and <c>API_KEY</c>).</summary>
    public static bool SameCredentialName(string a, string b) => CredentialNameKey(a) == CredentialNameKey(b);

    /// <summary>The value stored under <paramref name="conventional"/> or another spelling of it (<c>apiKey</c>: <c>API_KEY</c>, <c>api-key</c>…); the exact name wins.</summary>
    public static string? FindCredential(IReadOnlyDictionary<string, string>? values, string conventional)
    {
        if (values is null)
        {
            return null;
        }

        return values.TryGetValue(conventional, out var exact)
            ? exact
            : values.Where(v => SameCredentialName(v.Key, conventional)).OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => v.Value).FirstOrDefault();
    }

    /// <summary>Whether an authSettings key holds a credential for this auth method: a credential name, or a parameter the method declares secret.</summary>
    public static bool IsCredentialSetting(AuthMetadata auth, string key) =>
        IsCredentialName(key)
        || auth.ParametersMetadata.Concat(auth.AuthMap.ParametersMetadata).Any(p => p.Secret && string.Equals(p.Name, key, StringComparison.OrdinalIgnoreCase));
}
