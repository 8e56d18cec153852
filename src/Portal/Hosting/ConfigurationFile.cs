namespace Portal.Hosting;

public static class ConfigurationFile
{
    /// <summary>
    /// The one configuration file is <c>appsettings.json</c> at the repository root. Run from the repo
    /// it is read there (edits apply without a rebuild); published, the copy next to the binaries is read.
    /// Environment variables and the command line still override it.
    /// </summary>
    public static void AddPortalConfigurationFile(this ConfigurationManager configuration, IWebHostEnvironment environment)
    {
        var path = FindRepoFile(environment.ContentRootPath) ?? Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        var source = new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource { Path = Path.GetFileName(path), Optional = true, ReloadOnChange = false };
        source.FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(Path.GetDirectoryName(path)!);
        source.ResolveFileProvider();
        ((IConfigurationBuilder)configuration).Sources.Insert(0, source);
    }

    private static string? FindRepoFile(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Portal.sln")) && File.Exists(Path.Combine(dir.FullName, "appsettings.json")))
            {
                return Path.Combine(dir.FullName, "appsettings.json");
            }
        }

        return null;
    }
}
