using System.Data.Common;

namespace Portal.Core.Data;

/// <summary>Parameters of the few hand-written commands (the rate-window upsert, the ingest batch), provider-neutral.</summary>
internal static class DbCommandParameters
{
    public static void AddParameter(this DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
