package dev.plumbline.cli;

import dev.plumbline.egress.EgressConfigException;
import dev.plumbline.egress.EgressMode;
import picocli.CommandLine;

/** {@code --egress MODE}: parsed here, once, by {@link EgressMode#parse}; everything after holds the enum. */
final class EgressModeConverter implements CommandLine.ITypeConverter<EgressMode> {
  @Override
  public EgressMode convert(String value) {
    try {
      return EgressMode.parse(value);
    } catch (EgressConfigException e) {
      throw new CommandLine.TypeConversionException(e.getMessage());
    }
  }
}
