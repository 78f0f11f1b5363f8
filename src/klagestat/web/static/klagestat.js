// klagestat: small enhancements only; every page works without this file.
