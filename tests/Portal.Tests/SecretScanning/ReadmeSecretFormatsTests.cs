using System.Text.RegularExpressions;
using Portal.Core.Keys;

namespace Portal.Tests.SecretScanning;

/// <summary>"The README documents each key format as a regular expression with its checksum so that scanners can register them."</summary>
public sealed class ReadmeSecretFormatsTests
{
    [Fact]
    public void Every_kind_the_engine_mints_matches_the_regular_expression_the_README_gives_for_its_prefix()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        var section = readme[readme.IndexOf("## Secret formats (for secret scanners)", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", 4, StringComparison.Ordinal)];

        foreach (var kind in KeyKinds.All)
        {
            var prefix = KeyKinds.Prefix(kind);
            var row = section.Split('\n').Single(l => l.StartsWith('|') && l.Contains($"| `{prefix}` |", StringComparison.Ordinal));
            var pattern = row.Split('|')[3].Trim().Trim('`');
            for (var i = 0; i < 200; i++)
            {
                var secret = KeyKinds.Mint(kind).Value;
                Assert.True(Regex.IsMatch($"token={secret} ", pattern), $"README's {pattern} misses a minted {KeyKinds.WireName(kind)}");
            }

            Assert.DoesNotMatch(pattern, prefix + "short");
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Portal.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Portal.sln not found above the test binaries.");
    }
}
